/**
 * What {@link withFault} needs of a started sandbox (`@internal/sandbox`'s
 * `Sandbox`, a dev dependency only): its fault registry.
 */
export interface SandboxFaults<Spec> {
  faults: {
    add(spec: Spec): { id: string };
    remove(id: string): unknown;
  };
}

/**
 * Runs `fn` with `spec` added to the sandbox's faults, and removes that fault
 * however `fn` ends, so a failed assertion does not leak it into later tests.
 */
export async function withFault<Spec, T>(
  sandbox: SandboxFaults<Spec>,
  spec: NoInfer<Spec>,
  fn: () => Promise<T>,
): Promise<T> {
  const fault = sandbox.faults.add(spec);
  try {
    return await fn();
  } finally {
    sandbox.faults.remove(fault.id);
  }
}
