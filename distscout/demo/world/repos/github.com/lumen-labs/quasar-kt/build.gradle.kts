// Root build: shared coordinates only. Each library module applies `maven-publish` itself.
plugins {
    kotlin("jvm") version "2.0.21" apply false
    id("org.jetbrains.dokka") version "1.9.20" apply false
}

allprojects {
    group = "io.lumenlabs.quasar"
    version = "1.6.0"

    repositories {
        mavenCentral()
    }
}
