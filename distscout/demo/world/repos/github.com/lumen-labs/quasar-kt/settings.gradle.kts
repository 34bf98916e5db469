pluginManagement {
    repositories {
        gradlePluginPortal()
        mavenCentral()
    }
}

rootProject.name = "quasar"

include(":quasar-core")
include(":quasar-ktor")
include(":quasar-benchmarks")
