/**
 * Small fs helpers shared by the readers: existence/size checks that become typed errors naming
 * the file, whole-file reads under a byte limit, and reads of just the first bytes.
 */
import { open, readFile, stat } from 'node:fs/promises';
import { CheckpointError, DatasetError } from '../../core/formats/errors';

/** Default cap on bytes read from one file into memory (the largest Node buffer we want to hold). */
export const DEFAULT_MAX_BYTES = 2 ** 31 - 1;

type Role = 'dataset' | 'checkpoint';

function missing(role: Role, path: string, detail: string): Error {
  return role === 'dataset'
    ? new DatasetError('dataset-missing', `${path}: ${detail}`)
    : new CheckpointError('checkpoint-missing', `${path}: ${detail}`);
}

function invalid(role: Role, path: string, detail: string): Error {
  return role === 'dataset'
    ? new DatasetError('dataset-invalid', `${path}: ${detail}`)
    : new CheckpointError('checkpoint-invalid', `${path}: ${detail}`);
}

/** Stats a path, turning ENOENT and friends into typed errors that name it. */
export async function statOrThrow(path: string, role: Role): Promise<import('node:fs').Stats> {
  let info: import('node:fs').Stats;
  try {
    info = await stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw missing(role, path, 'file not found; check the path (relative paths are resolved from the config file)');
    if (code === 'EACCES' || code === 'EPERM') throw missing(role, path, 'permission denied');
    if (code === 'ELOOP') throw invalid(role, path, 'is a symbolic link loop; point the config at the real file');
    throw missing(role, path, `cannot be read (${code ?? String(e)})`);
  }
  // Reading a FIFO blocks until a writer appears and a device like /dev/zero never ends.
  if (!info.isFile() && !info.isDirectory()) throw invalid(role, path, 'is a named pipe, socket or device, not a regular file; point the config at a file on disk');
  return info;
}

/** Reads a whole regular file, refusing files over `maxBytes` before allocating anything. */
export async function readFileLimited(path: string, role: Role, maxBytes = DEFAULT_MAX_BYTES): Promise<Uint8Array> {
  const info = await statOrThrow(path, role);
  if (info.isDirectory()) throw invalid(role, path, 'is a folder, not a file');
  if (info.size > maxBytes) {
    throw invalid(role, path, `is ${info.size} bytes, more than the limit of ${maxBytes}; use a smaller file or raise the limit`);
  }
  const buffer = await readFile(path);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** Reads at most `length` bytes from the start of a file (header-only parsing). */
export async function readPrefix(path: string, length: number, position = 0): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const out = new Uint8Array(length);
    const { bytesRead } = await handle.read(out, 0, length, position);
    return out.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
