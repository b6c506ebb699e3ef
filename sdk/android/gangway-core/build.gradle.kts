// The platform-free core: URL composer, message parsing, result codec. No Android dependency, so it
// also compiles with a bare kotlinc (see ../core-test.sh).
plugins {
    id("org.jetbrains.kotlin.jvm")
    `maven-publish`
}

kotlin { jvmToolchain(17) }

dependencies {
    testImplementation("junit:junit:4.13.2")
}

tasks.test {
    systemProperty("gangway.vectors", rootProject.file("../contract/vectors.json").absolutePath)
}

publishing {
    publications {
        create<MavenPublication>("release") {
            artifactId = "gangway-core"
            from(components["java"])
        }
    }
}
