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
  ])('title %j, referer %j → %j', (title, referer, expected) => {
    expect(convertAppName(title, referer)).toBe(expected);
  });

  it('cuts a long title to 100 code points without splitting a surrogate pair', () => {
    expect(convertAppName('a'.repeat(150), null)).toBe('a'.repeat(100));
    expect(convertAppName('😀'.repeat(150), null)).toBe('😀'.repeat(100));
  });
});
