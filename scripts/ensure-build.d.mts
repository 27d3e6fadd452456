// Types of scripts/ensure-build.mjs for the TypeScript tests that import it.
/** Why dist/ cannot be trusted (a one-line message), or undefined when it is up to date. */
export function staleBuild(): string | undefined;
