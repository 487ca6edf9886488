export { UsedIdentitiesCard } from './UsedIdentitiesCard';
