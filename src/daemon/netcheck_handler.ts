import type { Handler } from "./handlers.ts";
import type { NetcheckService } from "./netcheck_service.ts";

/** `netcheck {refresh?}`: the latest report, or a fresh one (also when none exists yet). */
export function netcheckHandler(svc: NetcheckService): Handler {
  return {
    name: "netcheck",
    summary: "public endpoint, NAT behaviour and the router's situation",
    run: async (
      _d,
      params,
    ) => (params.refresh === true || !svc.report ? await svc.check() : svc.report),
  };
}
