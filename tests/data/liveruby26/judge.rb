# ruby-saml's own verdict on every case of cases.json (written by make.py), into verdicts.json.
#
#   ruby tests/data/liveruby26/judge.rb       (from the repository root; Debian's ruby-saml 1.13.0)
#
# Each Response is judged by OneLogin::RubySaml::Response#is_valid? with the settings GitLab's
# omniauth-saml passes (idp_cert or idp_cert_fingerprint or the IdP metadata's certificates,
# sp_entity_id, assertion_consumer_service_url, idp_entity_id, private_key, and the options
# allowed_clock_drift and matches_request_id), with Time.now frozen at the case's time:
#  - "errors": soft = true and is_valid?(true), every error ruby-saml collects, verbatim;
#  - "raised": soft = false, as omniauth-saml calls it (response.soft = false): the one
#    ValidationError message a GitLab log quotes.
require "json"
require "base64"
require "openssl"
require "time"
require "onelogin/ruby-saml"

FROZEN = [nil]
class << Time
  alias_method :liveruby26_real_now, :now
  def now(*args)
    FROZEN[0] || liveruby26_real_now(*args)
  end
end

def settings_for(conf, soft)
  if conf["idp_metadata"]
    s = OneLogin::RubySaml::IdpMetadataParser.new.parse(File.read(conf["idp_metadata"]))
  else
    s = OneLogin::RubySaml::Settings.new
  end
  s.soft = soft
  s.idp_cert = File.read(conf["idp_cert"]) if conf["idp_cert"]
  if conf["idp_cert_fingerprint_of"]
    der = OpenSSL::X509::Certificate.new(File.read(conf["idp_cert_fingerprint_of"])).to_der
    s.idp_cert_fingerprint = OpenSSL::Digest::SHA1.hexdigest(der).scan(/../).join(":").upcase
  end
  s.sp_entity_id = conf["sp_entity_id"]
  s.assertion_consumer_service_url = conf["acs_url"]
  s.idp_entity_id = conf["idp_entity_id"]
  s.private_key = File.read(conf["sp_key"]) if conf["sp_key"]
  s
end

def judge(xml, conf, soft)
  options = { settings: settings_for(conf, soft), allowed_clock_drift: conf["clock_drift"] }
  options[:matches_request_id] = conf["request_id"] if conf["request_id"]
  response = OneLogin::RubySaml::Response.new(Base64.strict_encode64(xml), options)
  valid = response.is_valid?(soft)
  { "valid" => valid, "errors" => response.errors }
rescue OneLogin::RubySaml::ValidationError => e
  # a schema error appends "\n\n" and the whole document (response.rb validate_structure): cut it
  { "valid" => false, "raised" => e.message.split("\n\n").first }
rescue StandardError => e
  { "valid" => false, "exception" => "#{e.class}: #{e.message}" }
end

doc = JSON.parse(File.read(File.join(__dir__, "cases.json")))
verdicts = {}
doc["cases"].sort.each do |name, c|
  conf = doc["settings"][c["settings"]]
  xml = File.binread(c["file"])
  FROZEN[0] = Time.parse(c["at"]).utc
  soft = judge(xml, conf, true)
  hard = judge(xml, conf, false)
  FROZEN[0] = nil
  verdicts[name] = { "valid" => soft["valid"], "errors" => soft["errors"] || [],
                     "raised" => hard["raised"] || hard["exception"] }
  verdicts[name]["exception"] = soft["exception"] if soft["exception"]
  verdicts[name]["raised"] = nil if soft["exception"] && hard["exception"] == soft["exception"]
end
out = { "ruby_saml" => OneLogin::RubySaml::VERSION, "ruby" => RUBY_VERSION,
        "openssl" => OpenSSL::OPENSSL_LIBRARY_VERSION, "nokogiri" => Nokogiri::VERSION,
        "libxml2" => Nokogiri::VERSION_INFO.dig("libxml", "loaded"), "verdicts" => verdicts }
File.write(File.join(__dir__, "verdicts.json"), JSON.pretty_generate(out) + "\n")
