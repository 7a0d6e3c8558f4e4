export { createVelvetPlayer, type PlayerOptions, type PlaybackSession, type VelvetPlayer } from './player';
export { uploadVideo, resumeKey, type UploadOptions, type UploadedVideo } from './upload';
export { VelvetError, type VelvetErrorCode } from './errors';
export { callApi, type ApiOptions } from './api';
export { loadStoryboard, tileAt, requestDownload, type StoryboardTile, type DownloadLink } from './extras';
export { VelvetPlayerElement, defineVelvetPlayer, type VelvetStateDetail } from './element/velvet-player';
export { type PlayerState } from './element/player-state';
export { type PlaybackEngine } from './player';
