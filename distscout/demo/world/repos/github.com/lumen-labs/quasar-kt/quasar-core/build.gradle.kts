plugins {
    kotlin("jvm")
    `java-library`
    `maven-publish`
    signing
}

kotlin {
    jvmToolchain(17)
}

dependencies {
    api("org.jetbrains.kotlinx:kotlinx-coroutines-core:1.9.0")
    testImplementation(kotlin("test"))
}

java {
    withSourcesJar()
    withJavadocJar()
}

publishing {
    publications {
        create<MavenPublication>("maven") {
            from(components["java"])
            pom {
                name.set("Quasar core")
                description.set("Structured event streams for Kotlin services")
                url.set("https://github.com/lumen-labs/quasar-kt")
            }
        }
    }
}

signing {
    sign(publishing.publications["maven"])
}
