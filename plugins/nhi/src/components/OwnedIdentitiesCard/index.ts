export { OwnedIdentitiesCard } from './OwnedIdentitiesCard';
