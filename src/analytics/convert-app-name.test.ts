import { describe, expect, it } from 'vitest';
import { convertAppName } from './convert-app-name.js';

describe('convertAppName', () => {
  it.each([
    ['Cline', 'https://cline.bot', 'Cline'],
    ['  Roo   Code\t', null, 'Roo Code'],
    ['Line\nBreak\u0000', null, 'Line Break'],
    ['   ', 'https://www.Example.com/path?token=secret', 'example.com'],
    [null, 'https://www.Example.com/path?token=secret', 'example.com'],
    [null, 'example.org:3000/app', 'example.org'],
    [null, 'localhost:3000', 'localhost'],
    [null, 'https://app.example.com./', 'app.example.com'],
    [null, 'https://日本.example/', 'xn--wgv71a.example'],
    [null, 'file:///home/user/x', ''],
    [null, 'not a url', ''],
    [null, '', ''],
    [null, null, ''],
    ['', '', ''],
    // Invisible format characters are not visible text: a title of only those falls back to the referer...
    ['\u200B\uFEFF', 'https://cline.bot', 'cline.bot'],
    ['\u2060', null, ''],
    // ...and are dropped from a title, so "Cline" and "Cline\u200B" are one app and a bidi override cannot turn
    // the text around on the public page.
    ['Cline\u200B', null, 'Cline'],
    ['\u202EedoC\u202C Roo', null, 'edoC Roo'],
    ['Soft\u00ADhyphen', null, 'Softhyphen'],
    // Joiners stay: they are part of emoji sequences and of words in some scripts.
    ['👩\u200D💻 Coder', null, '👩\u200D💻 Coder'],
    ['\u200D', 'https://cline.bot', 'cline.bot'],
  ])('title %j, referer %j → %j', (title, referer, expected) => {
    expect(convertAppName(title, referer)).toBe(expected);
  });

  it('cuts a long title to 100 code points without splitting a surrogate pair', () => {
    expect(convertAppName('a'.repeat(150), null)).toBe('a'.repeat(100));
    expect(convertAppName('😀'.repeat(150), null)).toBe('😀'.repeat(100));
  });
});
