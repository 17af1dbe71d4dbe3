/**
 * The page's URL asks for a backend with `?backend=wasm` or `?backend=webgpu` (anything else,
 * or nothing: 'auto'), and turns on test hooks with `?test`. Read once, when the app starts.
 */
import type { BackendPreference } from './api.ts';

export function backendFromUrl(search: string): BackendPreference {
  const asked = new URLSearchParams(search).get('backend');
  return asked === 'wasm' || asked === 'webgpu' ? asked : 'auto';
}

export function testHooksFromUrl(search: string): boolean {
  return new URLSearchParams(search).has('test');
}
