export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
export const WEEKDAYS: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
export const WEEKDAY_NAMES: Record<Weekday, string> = { mon: 'Monday', tue: 'Tuesday', wed: 'Wednesday', thu: 'Thursday', fri: 'Friday', sat: 'Saturday', sun: 'Sunday' };

export type BlockContent = { type: 'show'; show: string; order?: string; season?: number; episode?: number } | { type: 'movies'; tag?: string } | { type: 'tag'; tag: string };

export interface Block {
  name: string;
  days: Weekday[];
  start: string;
  minutes: number;
  content: BlockContent;
  overrun?: 'cut' | 'shift';
  breaks?: boolean;
}

export interface Schedule {
  blocks: Block[];
  commercial_cooldown?: number;
}

export interface Channel {
  number: number;
  name: string;
  callSign: string;
  group: string;
  logoPath?: string;
  quality?: 'low' | 'medium' | 'high';
  enabled: boolean;
  alwaysOn: boolean;
  timeZone: string;
  schedule: Schedule;
  source: 'config' | 'api';
}

export interface Programme { start: string; end: string; title: string; subtitle?: string }
export interface TimelineChange { effectiveFrom: string; removed: Programme[]; added: Programme[] }

export interface MediaItem {
  id: number;
  path: string;
  status: 'ok' | 'missing' | 'unplayable';
  reason: string | null;
  kind: string;
  title: string | null;
  show: string | null;
  season: number | null;
  episode: number | null;
  year: number | null;
  durationMs: number | null;
  tags: string[];
}

export interface ScanStatus {
  state: 'idle' | 'running' | 'done' | 'failed';
  startedAt: string | null;
  finishedAt: string | null;
  processed: number;
  total: number;
  found: number;
  currentFile: string | null;
  summary: { found: number; added: number; updated: number; unchanged: number; missing: number; unplayable: number; probed: number; elapsedMs: number; unplayableFiles: Array<{ path: string; reason: string }> } | null;
  error: string | null;
}

export interface Chapter { id: number; title: string; timestampMs: number; source: string }

export interface AlertView {
  id: number;
  message: string;
  type: string;
  priority: number;
  channels: number[];
  issuedAtMs: number;
  endsAtMs: number;
  cancelledAtMs?: number;
  state: 'on_air' | 'queued' | 'ended' | 'cancelled';
  onAirChannels: number[];
}
