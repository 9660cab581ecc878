// Copies the non-TypeScript files the server reads at run time (catalog data,
// SQL migrations, dashboard assets) from src/ into dist/, keeping their paths.
import { cpSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const sourceRoot = 'src';
const targetRoot = 'dist';
const assetExtensions = ['.json', '.sql', '.html', '.css', '.js', '.svg'];

function copyAssets(directory) {
  for (const name of readdirSync(directory)) {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) {
      if (name !== '__fixtures__') copyAssets(path);
      continue;
    }
    if (assetExtensions.some((extension) => name.endsWith(extension))) {
      cpSync(path, join(targetRoot, relative(sourceRoot, path)));
    }
  }
}

copyAssets(sourceRoot);
