import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** A free TCP port on loopback (for a push source's listener). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const port = (probe.address() as { port: number }).port;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * An encoder publishing a picture and a tone to Retrovue's RTMP listener, as OBS would: it
 * reconnects while publishing (its first try may come before the listener is up), at a
 * different size and frame rate from a channel's, so the renderer must normalise it. The
 * picture is a solid colour (`0xC83214`) or any lavfi video graph (a bench flips colours on
 * the encoder's clock to time glass to glass). Shared by the live tests and the live bench.
 */
export class ColourPublisher {
  private child: ChildProcess | undefined;
  private publishing = false;
  /** Wall-clock instant the latest encoder process was started (its picture's t = 0, give or take its start-up). */
  startedAtMs = 0;

  constructor(
    private readonly url: string,
    private readonly picture: string,
  ) {}

  start(): void {
    this.publishing = true;
    const video = this.picture.startsWith('0x') ? `color=c=${this.picture}:size=192x108:rate=30` : this.picture;
    const run = () => {
      this.startedAtMs = Date.now();
      const child = spawn('ffmpeg', [
        '-hide_banner', '-loglevel', 'error', '-nostdin', '-re',
        '-f', 'lavfi', '-i', video,
        '-f', 'lavfi', '-i', 'sine=frequency=880:sample_rate=44100',
        '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '15', '-pix_fmt', 'yuv420p',
        '-c:a', 'aac', '-b:a', '64k',
        '-f', 'flv', this.url,
      ], { stdio: 'ignore' });
      this.child = child;
      child.once('exit', () => {
        if (this.publishing && this.child === child) setTimeout(run, 100);
      });
    };
    run();
  }

  /** Kills the encoder (as a crash or a cut cable would) and stops reconnecting. */
  async stop(): Promise<void> {
    this.publishing = false;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }
}

/** The nearest of `colours` to an averaged frame colour. */
export function nearestColour<Name extends string>(colours: Record<Name, readonly number[]>, rgb: readonly number[]): Name {
  let best: Name | undefined;
  let bestDistance = Infinity;
  for (const [name, colour] of Object.entries(colours) as Array<[Name, readonly number[]]>) {
    const distance = colour.reduce((sum, c, i) => sum + (c - rgb[i]!) ** 2, 0);
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  return best!;
}
