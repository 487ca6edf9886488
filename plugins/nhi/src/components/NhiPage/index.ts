export { NhiPage, NfsNhiPage } from './NhiPage';
