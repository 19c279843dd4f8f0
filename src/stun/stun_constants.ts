/** STUN wire constants (RFC 8489, RFC 5780, RFC 3489 for classic clients), each citing its section. */

/** RFC 8489 §5: fixed value in bytes 4..7 of every RFC 5389/8489 message. */
export const MAGIC_COOKIE = 0x2112a442;
/** RFC 8489 §5: the header is 20 bytes (type, length, cookie, transaction id). */
export const HEADER_LENGTH = 20;
/** RFC 8489 §5: transaction id length when the magic cookie is present. */
export const TRANSACTION_ID_LENGTH = 12;
/** RFC 3489 §11.1: classic messages have a 16-byte transaction id where the cookie now sits. */
export const CLASSIC_TRANSACTION_ID_LENGTH = 16;
/** RFC 8489 §5: the two most significant bits of every STUN message are zero. */
export const TOP_BITS_MASK = 0xc000;
/** RFC 8489 §14: attributes are padded to a multiple of 4 bytes. */
export const ATTRIBUTE_ALIGN = 4;
/** RFC 8489 §14: each attribute starts with a 2-byte type and a 2-byte length. */
export const ATTRIBUTE_HEADER_LENGTH = 4;
/** RFC 8489 §6.2.1: a UDP message should stay below the path MTU; 548 keeps clear of IPv4 576. */
export const MAX_UDP_MESSAGE = 548;

/** RFC 8489 §5: class bits C1 (0x100) and C0 (0x010) interleaved with the method bits. */
export const CLASS_MASK = 0x0110;
export const CLASS_REQUEST = 0x0000;
export const CLASS_INDICATION = 0x0010;
export const CLASS_SUCCESS = 0x0100;
export const CLASS_ERROR = 0x0110;

/** RFC 8489 §18.2: the Binding method. */
export const METHOD_BINDING = 0x001;

/** RFC 8489 §18.3 (and RFC 5780 §7, RFC 3489 §11.2) attribute types. */
export const ATTR_MAPPED_ADDRESS = 0x0001; // RFC 8489 §14.1
export const ATTR_RESPONSE_ADDRESS = 0x0002; // RFC 3489 §11.2.2 (deprecated)
export const ATTR_CHANGE_REQUEST = 0x0003; // RFC 5780 §7.2
export const ATTR_SOURCE_ADDRESS = 0x0004; // RFC 3489 §11.2.5 (deprecated)
export const ATTR_CHANGED_ADDRESS = 0x0005; // RFC 3489 §11.2.3 (deprecated)
export const ATTR_USERNAME = 0x0006; // RFC 8489 §14.3
export const ATTR_MESSAGE_INTEGRITY = 0x0008; // RFC 8489 §14.5
export const ATTR_ERROR_CODE = 0x0009; // RFC 8489 §14.8
export const ATTR_UNKNOWN_ATTRIBUTES = 0x000a; // RFC 8489 §14.9
export const ATTR_REALM = 0x0014; // RFC 8489 §14.9
export const ATTR_NONCE = 0x0015; // RFC 8489 §14.10
export const ATTR_MESSAGE_INTEGRITY_SHA256 = 0x001c; // RFC 8489 §14.6
export const ATTR_XOR_MAPPED_ADDRESS = 0x0020; // RFC 8489 §14.2
export const ATTR_PADDING = 0x0026; // RFC 5780 §7.6
export const ATTR_RESPONSE_PORT = 0x0027; // RFC 5780 §7.5
export const ATTR_SOFTWARE = 0x8022; // RFC 8489 §14.14
export const ATTR_ALTERNATE_SERVER = 0x8023; // RFC 8489 §14.15
export const ATTR_FINGERPRINT = 0x8028; // RFC 8489 §14.7
export const ATTR_RESPONSE_ORIGIN = 0x802b; // RFC 5780 §7.3
export const ATTR_OTHER_ADDRESS = 0x802c; // RFC 5780 §7.4

/** RFC 8489 §14: types below 0x8000 are comprehension-required. */
export const COMPREHENSION_OPTIONAL_MIN = 0x8000;

/** RFC 8489 §14.1: address family codes in (XOR-)MAPPED-ADDRESS. */
export const FAMILY_IPV4 = 0x01;
export const FAMILY_IPV6 = 0x02;

/** RFC 5780 §7.2: CHANGE-REQUEST flag bits. */
export const CHANGE_IP_FLAG = 0x04;
export const CHANGE_PORT_FLAG = 0x02;

/** RFC 8489 §14.7: FINGERPRINT is CRC-32 of the message XOR this value ("STUN"). */
export const FINGERPRINT_XOR = 0x5354554e;
/** RFC 8489 §14.14: SOFTWARE is at most 763 bytes (128 characters). */
export const SOFTWARE_MAX_BYTES = 763;
/** RFC 8489 §14.8: the reason phrase is at most 763 bytes. */
export const REASON_MAX_BYTES = 763;

/** RFC 8489 §14.8: error codes used here. */
export const ERROR_BAD_REQUEST = 400;
export const ERROR_UNKNOWN_ATTRIBUTE = 420;
export const ERROR_SERVER_ERROR = 500;

/** RFC 8489 §18.4: default STUN port for UDP. */
export const DEFAULT_STUN_PORT = 3478;

/** RFC 8489 §6.2.1: initial retransmission timeout (ms), send count and final wait multiplier. */
export const DEFAULT_RTO_MS = 500;
export const DEFAULT_RC = 7;
export const DEFAULT_RM = 16;

/**
 * Size Punch pads its Binding requests to (with SOFTWARE, which every server may ignore): more
 * than any answer of a Punch STUN server, which answers nothing larger than the request.
 */
export const REQUEST_MIN_BYTES = 160;
