Pod::Spec.new do |s|
  s.name             = 'LumenKit'
  s.version          = '3.0.4'
  s.summary          = 'Colour management and HDR helpers for Apple platforms.'
  s.description      = <<-DESC
    LumenKit converts between colour spaces, reads HDR metadata and
    renders tone-mapped previews. LumenKitUI adds SwiftUI views.
  DESC
  s.homepage         = 'https://github.com/lumen-labs/lumen-swift'
  s.license          = { :type => 'MIT', :file => 'LICENSE' }
  s.author           = { 'Lumen Labs' => 'oss@lumen-labs.example' }
  s.source           = { :git => 'https://github.com/lumen-labs/lumen-swift.git', :tag => s.version.to_s }

  s.ios.deployment_target  = '15.0'
  s.osx.deployment_target  = '12.0'
  s.swift_versions         = ['5.9']

  s.default_subspec = 'Core'

  s.subspec 'Core' do |core|
    core.source_files = 'Sources/LumenKit/**/*.swift'
  end

  s.subspec 'UI' do |ui|
    ui.source_files = 'Sources/LumenKitUI/**/*.swift'
    ui.dependency 'LumenKit/Core'
  end
end
