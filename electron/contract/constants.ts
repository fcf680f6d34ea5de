/** Name of the single channel main uses to push events to the renderer. */
export const EVENT_CHANNEL = 'companion:event';
/** Name under which preload and the preview host expose the API on `window`. */
export const API_GLOBAL = 'companion';
