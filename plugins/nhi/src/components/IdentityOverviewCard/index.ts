export { IdentityOverviewCard } from './IdentityOverviewCard';
