export { CampaignsTab } from './CampaignsTab';
export { CampaignView } from './CampaignView';
export { LastCertification } from './LastCertification';
export { NewCampaignDialog } from './NewCampaignDialog';
export { ReviewTable } from './ReviewTable';
export { TeamWaitingReviewsCard, WaitingReviews } from './WaitingReviews';
