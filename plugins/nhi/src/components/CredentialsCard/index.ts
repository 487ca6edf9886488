export { CredentialsCard } from './CredentialsCard';
