// JMH benchmarks: run by hand before a release, never published.
plugins {
    kotlin("jvm")
    id("me.champeau.jmh") version "0.7.2"
}

dependencies {
    jmh(project(":quasar-core"))
}

jmh {
    warmupIterations.set(2)
    iterations.set(5)
}
