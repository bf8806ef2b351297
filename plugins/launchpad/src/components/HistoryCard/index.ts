export { HistoryCard, isHistoryCardAvailable } from './HistoryCard';
