// AutobahnJS (npm `autobahn`, Node) runs RPC and PubSub scenarios against a WAMP router
// over JSON or MessagePack. Node 22 has WebSocket built in; Node 20 needs
// --experimental-websocket. Usage:
//
//   node --experimental-websocket demos.js ws://127.0.0.1:8080/ws json|msgpack
//
// The last line is "N passed, M failed"; the exit status is 1 when any scenario failed.
"use strict";

const autobahn = require("autobahn");

const [url = "ws://127.0.0.1:8080/ws", ser = "json"] = process.argv.slice(2);
const SERIALIZERS = {
  json: () => new autobahn.serializer.JSONSerializer(),
  msgpack: () => new autobahn.serializer.MsgpackSerializer(),
};

function check(cond, what) {
  if (!cond) throw new Error(what);
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

// A joined session (and its connection, to close it).
function join() {
  return new Promise((resolve, reject) => {
    const connection = new autobahn.Connection({
      url,
      realm: "realm1",
      serializers: [SERIALIZERS[ser]()],
      max_retries: 0,
    });
    connection.onopen = (session) => resolve({ session, connection });
    connection.onclose = (reason, details) => {
      reject(new Error(`closed: ${reason} ${JSON.stringify(details)}`));
      return true; // no reconnect
    };
    connection.open();
  });
}

async function rpcArguments() {
  const backend = await join();
  const frontend = await join();
  await backend.session.register("com.arguments.add2", (args) => args[0] + args[1]);
  await backend.session.register("com.arguments.stars", (args, kwargs) =>
    `${kwargs.nick || "somebody"} starred ${kwargs.stars || 0}x`);
  const sum = await frontend.session.call("com.arguments.add2", [2, 3]);
  console.log(`Add2: ${sum}`);
  check(sum === 5, "add2");
  const stars = await frontend.session.call("com.arguments.stars", [], { nick: "Homer", stars: 5 });
  console.log(`Starred: ${stars}`);
  check(stars === "Homer starred 5x", "kwargs");
  return [backend, frontend];
}

async function rpcErrors() {
  const backend = await join();
  const frontend = await join();
  await backend.session.register("com.myapp.checkname", (args) => {
    throw new autobahn.Error("com.myapp.error.invalid_length", [args[0]], { min: 3, max: 10 });
  });
  try {
    await frontend.session.call("com.myapp.checkname", ["a"]);
    throw new Error("must fail");
  } catch (e) {
    console.log(`Error: ${e.error} ${JSON.stringify(e.args)} ${JSON.stringify(e.kwargs)}`);
    check(e.error === "com.myapp.error.invalid_length", `uri ${e.error}`);
    check(e.args[0] === "a" && e.kwargs.min === 3 && e.kwargs.max === 10, "payload intact");
  }
  try {
    await frontend.session.call("com.myapp.nonexistent");
    throw new Error("must fail");
  } catch (e) {
    console.log(`Error: ${e.error}`);
    check(e.error === "wamp.error.no_such_procedure", e.error);
  }
  return [backend, frontend];
}

async function rpcProgress() {
  const backend = await join();
  const frontend = await join();
  await backend.session.register("com.myapp.longop", async (args, kwargs, details) => {
    for (let i = 0; i < args[0]; i++) {
      details.progress([i]);
      await sleep(20);
    }
    return args[0];
  });
  const seen = [];
  const res = await frontend.session.call("com.myapp.longop", [3], {}, { receive_progress: true })
    .progress((v) => seen.push(v)); // a single positional result comes unwrapped
  console.log(`Progress: ${JSON.stringify(seen)} Final: ${res}`);
  check(JSON.stringify(seen) === "[0,1,2]" && res === 3, "progressive results");
  return [backend, frontend];
}

async function pubsub() {
  const backend = await join();
  const frontend = await join();
  const got = [];
  const sub = await frontend.session.subscribe("com.myapp.topic1", (args, kwargs, details) =>
    got.push([args[0], kwargs.c, details.publisher]));
  for (let i = 0; i < 3; i++) {
    const pub = await backend.session.publish("com.myapp.topic1", [i], { c: "Hello" }, { acknowledge: true });
    check(typeof pub.id === "number", "acknowledged");
  }
  await sleep(100);
  console.log(`Got events: ${JSON.stringify(got.map((g) => g.slice(0, 2)))}`);
  check(JSON.stringify(got.map((g) => g.slice(0, 2))) === '[[0,"Hello"],[1,"Hello"],[2,"Hello"]]', "events");
  check(got.every((g) => g[2] === backend.session.id), "publisher disclosed");
  await frontend.session.unsubscribe(sub);
  backend.session.publish("com.myapp.topic1", [99]);
  await sleep(100);
  check(got.length === 3, "no event after unsubscribe");
  const info = await frontend.session.call("wamp.session.get", [backend.session.id]);
  console.log(`Publisher session: authrole ${info.authrole}, transport ${info.transport.type}`);
  check(info.session === backend.session.id && info.authrole === "anonymous", "session meta API");
  return [backend, frontend];
}

const SCENARIOS = { rpcArguments, rpcErrors, rpcProgress, pubsub };

(async () => {
  let passed = 0;
  let failed = 0;
  for (const [name, fn] of Object.entries(SCENARIOS)) {
    console.log(`== ${name} (${ser})`);
    try {
      const sessions = await Promise.race([
        fn(),
        sleep(20000).then(() => { throw new Error("timeout"); }),
      ]);
      for (const s of sessions) s.connection.close();
      await sleep(50);
      console.log(`PASS ${name}`);
      passed++;
    } catch (e) {
      console.log(`FAIL ${name}: ${e.stack || e}`);
      failed++;
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
})();
