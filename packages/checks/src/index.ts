/**
 * Checks of our own for the practices hadolint, shellcheck, dockle and trivy would enforce,
 * none of which can be installed here: on the generated Dockerfile (pure), on its RUN scripts
 * (Debian's shellcheck as a process) and on built images (the Engine API only).
 */
export {
  checkDockerfile,
  dockerfileRules,
  splitImageReference,
  type CheckDockerfileOptions,
  type DockerfileFinding,
  type DockerfileRuleId,
} from './check-dockerfile.js';
export {
  shellcheckRunBodies,
  type ShellcheckFinding,
  type ShellcheckOptions,
} from './shellcheck.js';
export {
  inspectImage,
  imageRules,
  type ImageExpectations,
  type ImageFinding,
} from './inspect-image.js';
