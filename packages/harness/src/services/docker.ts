// The Docker provider (testcontainers). Loaded lazily: runs that use the local provider never pay for it.
//
//   dockerAvailable()          a Docker engine answers and POC_PROVIDER is not "local"
//   dockerAvailable(service)   ... and that service's image can be had (else: local, with one log line)
//   startServiceContainer()    a server in a container, published on 127.0.0.1, with the local provider's
//                              settings, ready when it answers, removed when closed or when its owner dies
import { ServiceUnavailableError } from '../errors.ts';
import { engineAvailable, runtime } from './docker/engine.ts';
import { startContainer, type DockerInstance } from './docker/containers.ts';
import { ImageResolver, type ImageStore } from './docker/resolve.ts';
import { containerSpec, type ContainerSpec, type SpecOptions } from './docker/settings.ts';
import { isImageService, type ImageService } from './images.ts';

export type { DockerInstance } from './docker/containers.ts';
export { instanceAt, residentMiB } from './docker/containers.ts';

/** The engine's images, as the resolver sees them (TESTCONTAINERS_HUB_IMAGE_NAME_PREFIX applied). */
export async function engineImageStore(): Promise<ImageStore> {
  const client = await runtime();
  const { ImageName } = await import('testcontainers');
  return {
    effectiveName: (ref) => ImageName.fromString(ref).string,
    exists: (ref) => client.image.exists(ImageName.fromString(ref)),
    pull: (ref) => client.image.pull(ImageName.fromString(ref)),
  };
}

const resolver = new ImageResolver({
  store: engineImageStore,
  log: (line) => console.warn(`[harness] ${line}`),
});

/**
 * Whether to use the Docker provider. Without a service: a Docker engine answers and POC_PROVIDER is not
 * "local" (POC_PROVIDER=docker and no engine throws). With a service: also that its image is present or
 * pullable; if it is not, the service falls back to local binaries (one log line for the run), or, with
 * POC_PROVIDER=docker or no local binaries, this throws naming the image and the registry's error.
 */
export async function dockerAvailable(service?: string): Promise<boolean> {
  if (!(await engineAvailable())) return false;
  if (service === undefined || !isImageService(service)) return true;
  return (await resolver.imageFor(service)) !== undefined;
}

/** The image `service` runs from (after dockerAvailable(service) said true). */
async function imageOf(service: ImageService): Promise<string> {
  const image = await resolver.imageFor(service);
  if (!image) {
    throw new ServiceUnavailableError(
      `${service}: no Docker image can be had on this engine; the harness runs it on local binaries`,
    );
  }
  return image;
}

/** A server in a container with the same settings as the local provider's (docker/settings.ts). */
export async function startServiceContainer(service: ImageService, options: SpecOptions = {}): Promise<DockerInstance> {
  const image = await imageOf(service);
  return startContainer(service, image, (port) => containerSpec(service, port, options));
}

/** A container for `service` with a spec made by the caller (nginx, whose configuration is per use). */
export async function startCustomContainer(
  service: ImageService,
  spec: (hostPort: number) => ContainerSpec,
): Promise<DockerInstance> {
  return startContainer(service, await imageOf(service), spec);
}
