export { BackupsCard, isBackupsCardAvailable } from './BackupsCard';
