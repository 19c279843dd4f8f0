/** The handle `setTimeout`/`setInterval` return (a number in Deno, an object in Node's types). */
export type Timer = ReturnType<typeof setTimeout>;
