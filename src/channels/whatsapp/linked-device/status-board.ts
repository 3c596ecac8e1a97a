export const LINKED_DEVICE_STATES = [
  "starting",
  "qr",
  "ready",
  "disconnected",
  "auth_failure",
  "unavailable",
] as const;
export type LinkedDeviceState = (typeof LINKED_DEVICE_STATES)[number];

export interface LinkedDeviceStatus {
  state: LinkedDeviceState;
  /** The QR payload to scan while the state is `qr`. */
  qr?: string | undefined;
  /** Why it is disconnected, failed or unavailable. */
  error?: string | undefined;
  since: Date;
}

/**
 * What each linked device of this process is doing. A linked device lives in the process that
 * drives its browser, so its state is this process's to know, and the admin API reads it here.
 */
export class LinkedDeviceBoard {
  readonly #statuses = new Map<string, LinkedDeviceStatus>();

  get(accountId: string): LinkedDeviceStatus | undefined {
    return this.#statuses.get(accountId);
  }

  set(accountId: string, status: LinkedDeviceStatus): void {
    this.#statuses.set(accountId, status);
  }

  delete(accountId: string): void {
    this.#statuses.delete(accountId);
  }
}

/**
 * The board of this process. A module-level one, because the admin API and the channels are
 * composed separately and a device's state belongs to the process anyway; keys are account ids.
 */
export const linkedDeviceBoard = new LinkedDeviceBoard();
