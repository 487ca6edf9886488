export { NhiPage } from './NhiPage';
