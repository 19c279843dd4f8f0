// procd's `service` object, only as far as rpcd talks to it: rpcd@4476687:uci.c:1303
// rpc_uci_trigger_event looks up `service` and invokes `event {type: "config.change",
// data: {package}}` (reload triggers hang off that); without a `service` object nothing is
// sent. `list` answers an empty table (no services in the double).
import { BlobmsgType as T, Status } from "../../../src/ubus/constants.ts";
import type { MethodDef } from "./broker.ts";
import { children, str } from "./policy.ts";

export class Procd {
  /** Packages named by `config.change` events, in order. */
  readonly configChanges: string[] = [];

  methods(): Record<string, MethodDef> {
    return {
      event: {
        policy: { type: T.STRING, data: T.TABLE },
        handler: (a) => {
          const type = str(a, "type");
          const data = children(a, "data");
          if (type === undefined || !data) return Status.INVALID_ARGUMENT;
          const pkg = data.find((f) => f.name === "package" && f.type === T.STRING);
          if (type === "config.change" && pkg) this.configChanges.push(pkg.value as string);
          return Status.OK;
        },
      },
      list: {
        policy: { name: T.STRING, verbose: T.INT8 },
        handler: (_a, ctx) => {
          ctx.reply({});
          return Status.OK;
        },
      },
    };
  }
}

/**
 * rpcd's built-in `rc` object (rpcd@4476687:rc.c): `list` of /etc/init.d (empty: the double
 * has none) and `init {name, action}` with rpcd's checks; every script is NOT_FOUND.
 */
export function rcMethods(): Record<string, MethodDef> {
  return {
    list: {
      policy: { name: T.STRING, skip_running_check: T.INT8 },
      handler: (_a, ctx) => {
        ctx.reply({});
        return Status.OK;
      },
    },
    init: {
      policy: { name: T.STRING, action: T.STRING },
      handler: (a) => {
        const name = str(a, "name");
        const action = str(a, "action");
        if (name === undefined || action === undefined) return Status.INVALID_ARGUMENT;
        if (name.includes("..") || name.includes("/")) return Status.INVALID_ARGUMENT;
        return Status.NOT_FOUND; // rc_check_script: stat("/etc/init.d/<name>") fails
      },
    },
  };
}
