/** Where the connector installs itself (the current generation; the older one's folder is read by our scripts). */
export const CONNECTOR_DIR = 'C:\\Program Files\\Microsoft Entra private network connector';
