/**
 * Peering core (sans-I/O): invite tokens, the join handshake, reply tokens, signed peer cards
 * and the card store. Wire formats and the security argument: docs/tokens.md.
 *
 * Keys: `routerKeys(wgPrivateKeyBase64, signSeedBase64)`; make the seed once with
 * `newSignSeed(rand)` and keep it next to the WireGuard private key. `now` is ms since the epoch;
 * `rand(n)` returns n fresh random bytes (`crypto.getRandomValues(new Uint8Array(n))`).
 *
 * Inviter (`punchctl invite`):
 *   const invite = createInvite({ wgPublicKey, signPublicKey, name, controlPort, endpoints,
 *     tunnelAddresses, lanSubnets }, now, rand, ttlMs);   // print invite.token
 *   invites.add(invite, now);                             // InviteStore, persist it (0600)
 * On each datagram on the control port:
 *   const h = handleJoinRequest(keys, invites, ownSignedCard, bytes, now, rand, cards.list());
 *   // null: not ours. Send h.reply in every other case. On "accepted":
 *   cards.pin(h.joiner.card.signPublicKey, now); cards.offer(h.joiner, now);
 *   // then add the WireGuard peer, re-sign our card with the joiner in `introduces`, push it.
 * `punchctl accept REPLY`:
 *   const { joiner } = acceptReply(keys, invites, text, now); cards.pin(joiner.signPublicKey, now);
 *   // add the WireGuard peer from joiner.{wgPublicKey,endpoints,tunnelAddresses,lanSubnets}
 *
 * Joiner (`punchctl join TOKEN`):
 *   const invite = parseInvite(text, now);                 // ParseError/RangeError/PeerError
 *   findOverlaps(ourLans, invite.lanSubnets, invite.name); // explain before going on
 *   cards.pin(invite.signPublicKey, now);
 *   if (invite.controlPort !== 0) {
 *     const { state, request } = startJoin(keys, invite, ownSignedCard, now, rand);
 *     // send request to each endpoint host on invite.controlPort, resend on a timer; on each reply:
 *     const f = finishJoin(state, bytes);  // "joined": offer f.inviter and f.cards to `cards`
 *   }
 *   // no answer in time (or controlPort 0): print makeReplyToken(keys, invite, ownCard, now),
 *   // and add the inviter as a WireGuard peer from the invite's endpoints and addresses.
 *
 * Cards: `signCard(card, keys.signSeed)`, `verifyCard(bytes)`, `decodeCard(bytes)`,
 * seqs from `CardSeqs` (`card_seq.ts`: a stored epoch per start, a RAM counter); `CardStore.offer(bytes, now)` → accepted | stale | invalid | untrusted;
 * forward `cards.changedSince(v)` / `cards.list()` in a `encodeCardBundle` through the tunnel.
 */
export * from "./identity.ts";
export * from "./peer_error.ts";
export * from "./invite_token.ts";
export * from "./invite_store.ts";
export * from "./peer_card.ts";
export * from "./card_seq.ts";
export * from "./nat_hint.ts";
export * from "./card_store.ts";
export * from "./card_bundle.ts";
export * from "./join_messages.ts";
export * from "./join_handshake.ts";
export * from "./reply_token.ts";
export * from "./overlap.ts";
export * from "./route_policy.ts";
export { MAX_LIST, MAX_NAME } from "./wire_fields.ts";
