import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ChannelRequestError, ChannelStore } from '../../../src/channels/channel-store.js';
import { logoInFolder, LogoNameError } from '../../../src/channels/logo-files.js';
import { sniffImage } from '../../../src/library/image-type.js';
import { migrate } from '../../../src/db/database.js';
import type { Logger } from '../../../src/logging/logger.js';
import { ChannelLogos } from '../../../src/livetv/channel-logos.js';

const PNG_1x1 = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="fetch(\'/api/alerts\',{method:\'POST\'})"/>');

function logoFolder(): string {
  const folder = mkdtempSync(path.join(tmpdir(), 'retrovue-logo-folder-'));
  writeFileSync(path.join(folder, 'retro1.png'), PNG_1x1);
  writeFileSync(path.join(folder, 'evil.svg'), SVG);
  writeFileSync(path.join(folder, 'svg-named.png'), SVG);
  return folder;
}

describe('a logo named over the API', () => {
  const folder = logoFolder();
  const refusal = (name: string, where: { folder: string | undefined } = { folder }) => {
    try {
      logoInFolder(where.folder, name);
    } catch (error) {
      return error instanceof LogoNameError ? error.message : `unexpected ${String(error)}`;
    }
    return 'accepted';
  };

  it('is a plain file name in the logo folder that is an image by its bytes; its full path is stored', () => {
    expect(logoInFolder(folder, 'retro1.png')).toBe(path.join(folder, 'retro1.png'));
  });

  it('is never a path, a traversal, a missing file or an SVG (whatever its name)', () => {
    for (const name of ['/etc/passwd', '../admin-token', '..', '.', 'sub/retro1.png', '..\\admin-token', `retro1.png${'\u0000'}`, '.hidden.png']) {
      expect(refusal(name), name).toMatch(/^logo: give a file name inside the logo folder/);
    }
    expect(refusal('nope.png')).toMatch(/^logo: there is no file "nope.png"/);
    expect(refusal('evil.svg')).toMatch(/not a PNG, JPEG, GIF or WebP/);
    expect(refusal('svg-named.png')).toMatch(/not a PNG, JPEG, GIF or WebP/);
  });

  it('needs server.logo_folder: without one, only an upload sets a logo', () => {
    expect(refusal('retro1.png', { folder: undefined })).toMatch(/^logo: upload the image with PUT \/api\/channels\/\{n\}\/logo/);
  });

  it('is refused by the channel store with 400 naming `logo`, the channel unchanged; the config file keeps its own paths', () => {
    const db = new BetterSqlite3(':memory:');
    migrate(db);
    const store = new ChannelStore(db, 'UTC', { logoFolder: folder });
    store.seed([{ number: 1, name: 'One', logo: '/srv/logos/one.png' }], 1);
    expect(store.get(1)!.logoPath).toBe('/srv/logos/one.png'); // the operator's own file
    for (const logo of ['/etc/passwd', '../admin-token', 'evil.svg']) {
      const refused = (() => {
        try {
          store.update(1, { logo });
        } catch (error) {
          return error;
        }
      })();
      expect(refused).toBeInstanceOf(ChannelRequestError);
      expect(refused).toMatchObject({ status: 400, field: 'logo' });
      expect(() => store.create({ number: 2, name: 'Two', logo })).toThrow(ChannelRequestError);
    }
    expect(store.get(1)!.logoPath).toBe('/srv/logos/one.png');
    expect(store.get(2)).toBeUndefined();
    expect(store.update(1, { logo: 'retro1.png' }).logoPath).toBe(path.join(folder, 'retro1.png'));
  });
});

describe('logos set over the API before they were confined', () => {
  it('are released at start (call-sign card), while uploads, the logo folder and config-file paths stay', () => {
    const folder = logoFolder();
    const uploads = mkdtempSync(path.join(tmpdir(), 'retrovue-uploads-'));
    const db = new BetterSqlite3(':memory:');
    migrate(db);
    const store = new ChannelStore(db, 'UTC', { logoFolder: folder });
    store.seed([{ number: 1, name: 'Config', logo: '/srv/logos/one.png' }], 1);
    store.create({ number: 2, name: 'Old API' });
    store.setLogo(2, '/etc/passwd'); // what the API once accepted
    store.create({ number: 3, name: 'Uploaded' });
    store.setLogo(3, path.join(uploads, 'channel-3.png'));
    store.create({ number: 4, name: 'Named', logo: 'retro1.png' });
    expect(store.releaseForeignLogos(uploads)).toEqual([2]);
    expect(store.get(2)!.logoPath).toBeUndefined();
    expect([1, 3, 4].map((n) => store.get(n)!.logoPath)).toEqual(['/srv/logos/one.png', path.join(uploads, 'channel-3.png'), path.join(folder, 'retro1.png')]);
  });
});

describe('serving a channel logo', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'retrovue-logos-'));
  const lines: string[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) }) as unknown as Logger;
  const logos = new ChannelLogos({ dataDir, ffmpegPath: 'ffmpeg', log });
  const channel = (logoPath?: string) => ({ number: 3, name: 'Three', callSign: 'RTV3', group: 'Retrovue', enabled: true, timeZone: 'UTC', ...(logoPath ? { logoPath } : {}) });

  it('sends an image with the type its bytes say, whatever its name', async () => {
    const file = path.join(dataDir, 'misnamed.gif');
    writeFileSync(file, PNG_1x1);
    const logo = await logos.logoFor(channel(file));
    expect(logo).toMatchObject({ source: 'uploaded', contentType: 'image/png' });
    expect(logo.bytes.equals(PNG_1x1)).toBe(true);
  });

  it('never sends an SVG or a non-image (a config file may name one): the call-sign card instead, and the log says why', async () => {
    const svg = path.join(dataDir, 'logo.svg');
    writeFileSync(svg, SVG);
    const text = path.join(dataDir, 'passwd');
    writeFileSync(text, 'root:x:0:0:root:/root:/bin/bash\n');
    for (const file of [svg, text]) {
      const logo = await logos.logoFor(channel(file));
      expect(logo.source).toBe('generated');
      expect(logo.contentType).toBe('image/png');
      expect(sniffImage(logo.bytes)?.type).toBe('image/png');
    }
    expect(lines.join('\n')).toMatch(/SVG is never served/);
  }, 20_000);
});
