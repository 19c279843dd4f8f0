// What a package says about itself; the ipk and apk writers both read it.

/** Package metadata shared by the ipk and apk writers. */
export interface PackageMeta {
  name: string;
  /** Valid for opkg and apk alike, e.g. `0.1.0-r1`. */
  version: string;
  /** OpenWrt package architecture (`x86_64`, `aarch64_generic`, ...) or `all`. */
  arch: string;
  /** Dependencies in opkg form: `name` or `name (>= 1.2)`. */
  depends: readonly string[];
  provides?: readonly string[];
  source?: string;
  sourceName?: string;
  license?: string;
  licenseFiles?: string;
  section?: string;
  url?: string;
  maintainer?: string;
  /** One paragraph; further lines are allowed. */
  description: string;
  /** Unix seconds: every mtime in the package and the `SourceDateEpoch` field. */
  sourceDateEpoch: number;
  /** Absolute paths of configuration files kept on upgrade, e.g. `/etc/config/punch`. */
  conffiles: readonly string[];
  /** The package's own post-install script (OpenWrt's `Package/<name>/postinst`), if any. */
  postinst?: string;
  /** The package's own pre-removal script (OpenWrt's `Package/<name>/prerm`), if any. */
  prerm?: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;
const VERSION =
  /^[0-9]+(\.[0-9]+)*[a-z]?(_(alpha|beta|pre|rc|cvs|svn|git|hg|p)[0-9]*)*(~[0-9a-f]+)?(-r[0-9]+)?$/;

/** Throws `RangeError` if the name or version would be refused by opkg or apk. */
export function checkMeta(meta: PackageMeta): void {
  if (!NAME.test(meta.name)) {
    throw new RangeError(`Package name "${meta.name}" is not valid: use letters, digits and ._+-`);
  }
  if (!VERSION.test(meta.version)) {
    throw new RangeError(
      `Package version "${meta.version}" is not valid for apk: use a form like 1.2.3-r1`,
    );
  }
  if (!/^[A-Za-z0-9_.-]+$/.test(meta.arch)) {
    throw new RangeError(
      `Package architecture "${meta.arch}" is not valid: use an OpenWrt name like x86_64`,
    );
  }
}
