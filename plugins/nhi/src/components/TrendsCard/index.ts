export { NhiTrends, NhiTrendsCard } from './TrendsCard';
