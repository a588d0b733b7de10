// eventfork's components from TypeScript. `pulumi package add <eventfork repository>@<tag>` generates
// the SDK (sdks/eventfork) and adds "@pulumi/eventfork" to package.json.
// tests/package/test_examples.py checks every component, property and output used here against the schema.
import * as pulumi from "@pulumi/pulumi";
import * as eventfork from "@pulumi/eventfork";

const namePrefix = "orders-dev";

const fanout = new eventfork.EventFanOut("fanout", {
    namePrefix: namePrefix,
    fifo: true,
    archiveRetentionDays: 7,
});

const buffer = new eventfork.FifoEventBuffer("buffer", {
    namePrefix: namePrefix,
    topicArn: fanout.topicArn,
    topicKmsKeyArn: fanout.kmsKeyArn,
    intervalSeconds: 60,
    memorySize: 512,
});

const analytics = new eventfork.SearchAnalyticsPipeline("analytics", {
    namePrefix: namePrefix,
    topicArn: fanout.topicArn,
    topicFifo: true,
    kmsKeyArn: fanout.kmsKeyArn,
    config: {
        instanceCount: 2,
        indexName: "orders",
        filterPolicy: { type: ["order"] },
    },
});

export const bufferQueueUrl = buffer.queueUrl;
export const primaryQueueUrl = fanout.primaryQueueUrl;
export const domainEndpoint = analytics.domainEndpoint;
export const stack = pulumi.getStack();
