/**
 * The first run's demo library, prepared while the server already answers (issue 23: on the
 * air within a minute). `serve` listens at once and hands this the work:
 *
 * 1. sign-on: the commercials and the station ID render first (seconds), are scanned into the
 *    library, and `signedOn` puts every demo channel on the air. Until then the channels have no
 *    timeline: nothing is compiled from an empty library, and their URLs answer 503 with
 *    Retry-After (see `status().channelsOnAir`).
 * 2. programmes: the shows and movies render in the background at the lowest CPU priority, what
 *    airs first first. Each finished file is scanned in (incremental: only new files are probed)
 *    and `libraryGrew` lets it join each channel's unit on the air in progress (serve calls
 *    `CompiledTimeline.joinInProgress`): nothing already handed to playout's packager changes.
 *
 * A restart mid-render keeps what is complete (see generateDemoLibrary's `resume`).
 */
import type { Logger } from '../logging/logger.js';
import { generateDemoLibrary, type DemoFile, type DemoStage } from './generate-demo-library.js';

export type StationState = 'preparing' | 'ready' | 'failed';

/** What `/api/health` and the web page say about the station coming up. */
export interface StationStatus {
  state: StationState;
  /** Share of the demo library's video rendered, 0..1. */
  progress: number;
  /** Whether the channels are on the air (the sign-on stage is in the library). */
  channelsOnAir: boolean;
  message: string;
}

export interface DemoPreparationOptions {
  ffmpegPath: string;
  outputDir: string;
  size: 'full' | 'tiny';
  log: Logger;
  /** One incremental scan of the library folders (serve's own scan). */
  scan: () => Promise<void>;
  /** The sign-on files are in the library: put the channels on the air. */
  signedOn: () => Promise<void> | void;
  /** A programme file was added to the library. */
  libraryGrew: (file: DemoFile) => Promise<void> | void;
}

export class DemoPreparation {
  private state: StationState = 'preparing';
  private progress = 0;
  private onAir = false;
  private error: string | undefined;
  /** Scans one after the other: the two render lanes finish files at any moment. */
  private scans: Promise<void> = Promise.resolve();

  constructor(private readonly options: DemoPreparationOptions) {}

  status(): StationStatus {
    const percent = Math.floor(this.progress * 100);
    const message =
      this.state === 'ready'
        ? 'the demo station is ready'
        : this.state === 'failed'
          ? `preparing the demo station failed: ${this.error ?? 'unknown error'}`
          : `preparing the demo station: ${percent} %` + (this.onAir ? ' (the channels are on the air; more programmes join the schedule as they are made)' : ' (the channels go on the air in a few seconds)');
    return { state: this.state, progress: this.state === 'ready' ? 1 : Math.round(this.progress * 1000) / 1000, channelsOnAir: this.onAir, message };
  }

  /** Renders the library; resolves when it is complete (or failed: logged, state `failed`). */
  async run(): Promise<void> {
    const { log } = this.options;
    const started = Date.now();
    let lastTenth = -1;
    try {
      await generateDemoLibrary({
        ffmpegPath: this.options.ffmpegPath,
        outputDir: this.options.outputDir,
        size: this.options.size,
        resume: true,
        lowPriorityProgrammes: true,
        onRendered: (done, total) => {
          this.progress = total > 0 ? done / total : 0;
          const tenth = Math.floor(this.progress * 10);
          if (tenth > lastTenth && tenth < 10) {
            lastTenth = tenth;
            log.info({ percent: tenth * 10, seconds: Math.round((Date.now() - started) / 1000) }, `preparing the demo station: ${tenth * 10} %`);
          }
        },
        onFileReady: (file, stage) => this.fileReady(file, stage),
        onSignOnReady: () => this.signOn(),
      });
      await this.scans;
      this.state = 'ready';
      log.info({ seconds: Math.round((Date.now() - started) / 1000) }, 'the demo station is ready: every programme is in the library');
    } catch (error) {
      this.error = (error as Error).message;
      this.state = 'failed';
      log.error({ err: error }, 'preparing the demo library failed; the files made so far stay on the air (restart to try again)');
    }
  }

  private fileReady(file: DemoFile, stage: DemoStage): Promise<void> {
    // The sign-on files are scanned together once all are there (signOn); a programme at once.
    if (stage === 'sign-on') return Promise.resolve();
    return this.serially(async () => {
      await this.options.scan();
      await this.options.libraryGrew(file);
    });
  }

  private signOn(): Promise<void> {
    return this.serially(async () => {
      await this.options.scan();
      // Before signedOn: the channels it makes ask whether they may have a timeline now.
      this.onAir = true;
      await this.options.signedOn();
      this.options.log.info('the demo station signs on: its channels are on the air while the programmes are made');
    });
  }

  private serially(work: () => Promise<void>): Promise<void> {
    const next = this.scans.then(work);
    // One failed scan must not stop the ones after it; the error reaches its own caller.
    this.scans = next.catch((error: unknown) => this.options.log.warn({ err: error }, 'scanning a new demo file failed'));
    return next;
  }
}
