export * from './format';
export * from './chips';
export * from './provenance';
export * from './links';
export * from './ClaimList';
export * from './useClaimPages';
export * from './useIdentityDetail';
export * from './PersonRef';
