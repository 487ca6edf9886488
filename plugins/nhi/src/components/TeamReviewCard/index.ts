export { TeamReviewCard } from './TeamReviewCard';
