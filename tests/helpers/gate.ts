/** Work that finishes when the test says so: `store` stays pending until `open()` is called. */
export function gate(): { store: () => Promise<void>; open: () => void } {
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { store: () => opened, open };
}
