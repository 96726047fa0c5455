import { describe, expect, it } from 'vitest';
import { callSignCardArgs } from '../../../src/livetv/channel-logos.js';

const channel = { number: 2, name: 'Retro Movies', callSign: 'RTVM', group: 'Retrovue', enabled: true, timeZone: 'UTC' };
const source = (args: string[]) => args[args.indexOf('-i') + 1];

describe('the generated call-sign card', () => {
  it('wears the channel\'s branding colour when it has one, so card, bug and lower thirds match', () => {
    expect(source(callSignCardArgs(channel, '/tmp/x.png', true, '0x4a1010'))).toMatch(/^color=c=0x4a1010:/);
  });
  it('otherwise takes a colour by channel number, so neighbours differ', () => {
    const two = source(callSignCardArgs(channel, '/tmp/x.png'));
    const three = source(callSignCardArgs({ ...channel, number: 3 }, '/tmp/x.png'));
    expect(two).not.toBe(three);
  });
});
