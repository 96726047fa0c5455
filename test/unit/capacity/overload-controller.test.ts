import { describe, expect, it } from 'vitest';
import { OverloadController, type ChannelLoad, type LoadSample } from '../../../src/capacity/overload-controller.js';

const channel = (number: number, over: Partial<ChannelLoad> = {}): ChannelLoad => ({
  number, onAir: true, alwaysOn: true, speed: 1.5, workAheadSeconds: 8, viewers: 0, canLowerQuality: true, ...over,
});

/** Drives the controller second by second (fake time) and records every change. */
function drive(controller: OverloadController, fromS: number, toS: number, sample: (s: number) => Omit<LoadSample, 'nowMs'>) {
  const changes: string[] = [];
  let last;
  for (let s = fromS; s <= toS; s++) {
    last = controller.tick({ nowMs: s * 1000, ...sample(s) });
    if (last.changed?.taken) changes.push(`${s}: take ${last.changed.taken.step}${last.changed.taken.channel ? ` ${last.changed.taken.channel}` : ''}`);
    if (last.changed?.undone) changes.push(`${s}: undo ${last.changed.undone.step}${last.changed.undone.channel ? ` ${last.changed.undone.channel}` : ''}`);
  }
  return { changes, last: last! };
}

describe('overload controller', () => {
  const overloaded = () => ({ inUseCores: 2.4, usableCores: 1.7, channels: [channel(1, { lastActivityMs: 500 }), channel(2), channel(3, { viewers: 1 })] });
  const comfortable = () => ({ inUseCores: 0.5, usableCores: 1.7, channels: [channel(1), channel(2), channel(3, { viewers: 1 })] });

  it('degrades in order (cards, a preset lower, slate the channel idle longest), one step per overload_after, and undoes last-first after recover_after each', () => {
    const controller = new OverloadController({ overloadAfterMs: 5000, recoverAfterMs: 10_000 });
    const down = drive(controller, 0, 20, overloaded);
    expect(down.changes).toEqual(['5: take graphics', '10: take lower-quality', '15: take slate 2', '20: take slate 1']);
    expect(down.last.perChannel.get(3)).toBe('lower-quality'); // watched: never slated
    expect(down.last.perChannel.get(2)).toBe('slate');
    expect(down.last.state.level).toBe(4);
    expect(down.last.state.reasons[0]).toContain('2.40 cores in use of 1.70');
    const up = drive(controller, 21, 70, comfortable);
    expect(up.changes).toEqual(['31: undo slate 1', '41: undo slate 2', '51: undo lower-quality', '61: undo graphics']);
    expect(up.last.perChannel.size).toBe(0);
    expect(up.last.state).toMatchObject({ level: 0, since: null, steps: [] });
  });

  it('does not flap: load between the thresholds neither degrades further nor recovers', () => {
    const controller = new OverloadController({ overloadAfterMs: 5000, recoverAfterMs: 10_000 });
    drive(controller, 0, 5, overloaded);
    // 1.5 of 1.7: not overloaded, but above the comfort share (0.75 × 1.7).
    const middle = drive(controller, 6, 60, () => ({ ...comfortable(), inUseCores: 1.5 }));
    expect(middle.changes).toEqual([]);
    expect(middle.last.state.level).toBe(1);
    // An overloaded second restarts the comfortable stretch.
    const flicker = drive(controller, 61, 81, (s) => (s === 70 ? overloaded() : comfortable()));
    expect(flicker.changes).toEqual(['81: undo graphics']);
  });

  it('a renderer under real time with its work-ahead spent is overload even within the cores; a slated channel someone tunes to is released at once', () => {
    const controller = new OverloadController({ overloadAfterMs: 1000, recoverAfterMs: 60_000 });
    const behind = () => ({ inUseCores: 0.5, usableCores: 1.7, channels: [channel(1, { speed: 0.8, workAheadSeconds: 1, canLowerQuality: false }), channel(2, { canLowerQuality: false })] });
    const down = drive(controller, 0, 2, behind);
    // Nothing to lower: from cards straight to the slate.
    expect(down.changes).toEqual(['1: take graphics', '2: take slate 2']);
    const tuned = controller.tick({ nowMs: 2500, ...behind(), channels: [channel(1, { speed: 0.8, workAheadSeconds: 1, canLowerQuality: false }), channel(2, { viewers: 1, canLowerQuality: false })] });
    expect(tuned.changed?.undone).toMatchObject({ step: 'slate', channel: 2 });
    expect(tuned.perChannel.get(2)).toBe('graphics');
  });

  it('takes no step it cannot take: nothing left to give up leaves the level where it is', () => {
    const controller = new OverloadController({ overloadAfterMs: 1000, recoverAfterMs: 60_000 });
    const watched = () => ({ inUseCores: 3, usableCores: 1, channels: [channel(1, { viewers: 2, canLowerQuality: false })] });
    expect(drive(controller, 0, 10, watched).changes).toEqual(['1: take graphics']);
  });
});
