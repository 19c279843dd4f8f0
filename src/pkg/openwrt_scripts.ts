// Maintainer scripts as OpenWrt's include/package-pack.mk generates them for ipk and apk.

const FUNCTIONS_GUARD =
  "[ -s ${IPKG_INSTROOT}/lib/functions.sh ] || exit 0\n. ${IPKG_INSTROOT}/lib/functions.sh\n";
const NO_SCRIPT_GUARD = '[ "${IPKG_NO_SCRIPT}" = "1" ] && exit 0\n';

/** The ipk `postinst` wrapper; the package's own script ships as `postinst-pkg`. */
export function ipkPostinst(): string {
  return `#!/bin/sh\n${NO_SCRIPT_GUARD}${FUNCTIONS_GUARD}default_postinst $0 $@\n`;
}

/** The ipk `prerm` wrapper; the package's own script ships as `prerm-pkg`. */
export function ipkPrerm(): string {
  return `#!/bin/sh\n${FUNCTIONS_GUARD}default_prerm $0 $@\n`;
}

/** package-pack.mk keeps the user script whole, only trimming blanks before its `#!`. */
function userBody(script: string | undefined): string {
  return script === undefined ? "" : script.replace(/^\s*#!/, "#!");
}

function apkPrefix(pkgname: string): string {
  return `export root="\${IPKG_INSTROOT}"\nexport pkgname="${pkgname}"\n`;
}

/** apk scripts (`post-install`, `post-upgrade`, `pre-deinstall`) for a package. */
export function apkScripts(
  pkgname: string,
  postinst?: string,
  prerm?: string,
): { "post-install": string; "post-upgrade": string; "pre-deinstall": string } {
  const postInstall = `#!/bin/sh\n${NO_SCRIPT_GUARD}${FUNCTIONS_GUARD}${apkPrefix(pkgname)}` +
    `add_group_and_user\ndefault_postinst\n${userBody(postinst)}`;
  return {
    "post-install": postInstall,
    "post-upgrade": `#!/bin/sh\nexport PKG_UPGRADE=1\n${postInstall}`,
    "pre-deinstall": `#!/bin/sh\n${FUNCTIONS_GUARD}${apkPrefix(pkgname)}default_prerm\n${
      userBody(prerm)
    }`,
  };
}
