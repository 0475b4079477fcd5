/**
 * The current time in milliseconds since the epoch (`Date.now` in production). Code that
 * decides by time takes one, so a test moves time instead of waiting for it.
 */
export type Clock = () => number;
