// Every workflow the worker registers. Deterministic code only (see eslint.config.js).
export { stackCheck } from './stack-check.ts';
export { compressionCampaign } from './campaign.ts';
export { monitorDeployment } from './monitor.ts';
export { seedCampaigns } from './seeds.ts';
export { compressionStudy } from './study.ts';
