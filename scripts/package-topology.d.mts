/** Which workspace package may import which (see package-topology.mjs). */
export declare const PACKAGE_TOPOLOGY: Readonly<Record<string, readonly string[]>>;
