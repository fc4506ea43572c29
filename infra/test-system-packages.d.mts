export declare const CHROMIUM_PATH: string;
export declare const CHROMIUM_HINT: string;
export declare function ensureTestSystemPackages(): string | undefined;
