import type { PhotoFile } from '../engine/api.ts';
import { SAMPLE_PHOTOS } from '../../workers/bench/presets.ts';
import { SAMPLES_ROOT } from '../storage/folders.ts';

/** The bundled sample gallery (public/samples, see its ATTRIBUTION.md), fetched from the app. */
export async function fetchSamplePhotos(): Promise<PhotoFile[]> {
  const base = new URL('samples/', document.baseURI);
  return Promise.all(
    SAMPLE_PHOTOS.map(async (name): Promise<PhotoFile> => {
      const response = await fetch(new URL(name, base));
      if (!response.ok) throw new Error(`samples/${name}: HTTP ${response.status}`);
      const blob = await response.blob();
      return {
        path: `${SAMPLES_ROOT}/${name}`,
        file: new File([blob], name, { type: blob.type }),
      };
    }),
  );
}
