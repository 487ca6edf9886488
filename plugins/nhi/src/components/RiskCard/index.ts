export { RiskCard } from './RiskCard';
