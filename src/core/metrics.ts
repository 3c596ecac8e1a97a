import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** Prometheus metrics for GET /metrics; one registry per gateway instance (tests start several). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    inboundMessages: new Counter({
      name: "parley_inbound_messages_total",
      help: "Inbound messages accepted, by channel and whether they were redeliveries.",
      labelNames: ["channel", "duplicate"] as const,
      registers: [registry],
    }),
    replies: new Counter({
      name: "parley_agent_replies_total",
      help: "Replies the agent committed, by action.",
      labelNames: ["action"] as const,
      registers: [registry],
    }),
    deliveries: new Counter({
      name: "parley_deliveries_total",
      help: "Outbound delivery attempts, by channel and outcome.",
      labelNames: ["channel", "outcome"] as const,
      registers: [registry],
    }),
    conversationsClosed: new Counter({
      name: "parley_conversations_closed_total",
      help: "Conversations closed by this process, by close reason.",
      labelNames: ["reason"] as const,
      registers: [registry],
    }),
    handoffs: new Counter({
      name: "parley_handoffs_total",
      help: "Conversations handed to people, by reason and the team's availability at the time.",
      labelNames: ["reason", "availability"] as const,
      registers: [registry],
    }),
    ingestBusy: new Gauge({
      name: "parley_ingest_busy",
      help: "1 while this process's channels push a burst in and the answering beside it gives way.",
      registers: [registry],
    }),
    answerSeconds: new Histogram({
      name: "parley_answer_seconds",
      help: "Time from an inbound message's arrival to its committed reply.",
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
