/**
 * The API's answers as the control room reads them: inferred from the zod schemas the routes
 * are declared with (src/server/openapi/api-schemas.ts), so a change there is a type error
 * here. Type-only imports: no server code reaches the bundle.
 */
import type { ScheduleInput, Weekday as ScheduleWeekday } from '../../src/schedule/model.js';
import type {
  ApiAlert,
  ApiAlertList,
  ApiChannel,
  ApiChannelList,
  ApiChapter,
  ApiChapterEdit,
  ApiChapterList,
  ApiGraphicsResult,
  ApiLibraryFolder,
  ApiLibraryFolderList,
  ApiLibraryFolderRemoved,
  ApiMediaDetail,
  ApiMediaItem,
  ApiMediaList,
  ApiMonitorSnapshot,
  ApiScanStatus,
  ApiScheduleResult,
  ApiSubtitleTrack,
  ApiTimelineChange,
} from '../../src/server/openapi/api-schemas.js';

export type Weekday = ScheduleWeekday;
// The bundle needs the days as values; the type keeps them the schedule model's.
export const WEEKDAYS: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
export const WEEKDAY_NAMES: Record<Weekday, string> = { mon: 'Monday', tue: 'Tuesday', wed: 'Wednesday', thu: 'Thursday', fri: 'Friday', sat: 'Saturday', sun: 'Sunday' };

/**
 * A block as the editor builds and sends it: the server fills in the defaults (overrun,
 * breaks, a show's order), and the editor always says which days.
 */
type SentBlock = NonNullable<ScheduleInput['blocks']>[number];
export type Block = Omit<SentBlock, 'days'> & { days: Weekday[] };
export type BlockContent = Block['content'];
export type Schedule = Omit<ScheduleInput, 'blocks'> & { blocks: Block[] };
export type ScheduleResult = ApiScheduleResult;

export type Channel = ApiChannel;
export type ChannelList = ApiChannelList;
export type TimelineChange = ApiTimelineChange;
export type MediaItem = ApiMediaItem;
export type MediaList = ApiMediaList;
export type MediaDetail = ApiMediaDetail;
export type SubtitleTrack = ApiSubtitleTrack;
export type ScanStatus = ApiScanStatus;
export type Chapter = ApiChapter;
export type ChapterList = ApiChapterList;
export type ChapterEdit = ApiChapterEdit;
export type AlertView = ApiAlert;
export type AlertList = ApiAlertList;
export type LibraryFolder = ApiLibraryFolder;
export type LibraryFolderList = ApiLibraryFolderList;
export type LibraryFolderRemoved = ApiLibraryFolderRemoved;
export type MonitorSnapshot = ApiMonitorSnapshot;
export type GraphicsResult = ApiGraphicsResult;
